/**
 * Every input schema under one set of limits. The module-level exports of
 * rag-chat-db/validators are these with `defaultLimits`, and the helpers
 * validate with those; an API that wants other limits builds its own set
 * and validates requests with it before calling a helper:
 *
 *   const strict = createValidators({ limits: { content: 4_000, email: 20 } });
 *   const input = strict.addMessageInput.parse(request.body);
 *
 * Nothing is global: two sets with different limits live side by side.
 */
import { citationValidators } from './citations.ts';
import { type Limits, resolveLimits } from './common.ts';
import { feedbackValidators } from './feedback.ts';
import { lifecycleValidators } from './lifecycle.ts';
import { messageValidators } from './messages.ts';
import { profileValidators } from './profiles.ts';
import { sessionValidators } from './sessions.ts';
import { uiMessageValidators } from './ui-messages.ts';
import { userValidators } from './users.ts';

/** The options of createValidators. */
export interface ValidatorOptions {
  /** Limits to change; the others keep their defaults. TypeError for an unknown limit or one that is not a positive whole number. */
  limits?: Partial<Limits>;
}

/** A set of every validator under `options.limits` (the others default), plus the resolved `limits`. TypeError for an unknown limit or one that is not a positive whole number. */
export function createValidators(options: ValidatorOptions = {}) {
  const limits = resolveLimits(options.limits);
  const citations = citationValidators(limits);
  return {
    limits,
    ...userValidators(limits),
    ...profileValidators(limits),
    ...sessionValidators(limits),
    ...citations,
    ...messageValidators(limits, citations),
    ...uiMessageValidators(limits, citations),
    ...feedbackValidators(limits),
    ...lifecycleValidators(limits),
  };
}

/** The set of validators createValidators returns. */
export type Validators = ReturnType<typeof createValidators>;
