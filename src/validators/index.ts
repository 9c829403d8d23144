export * from './common.ts';
export * from './users.ts';
export * from './profiles.ts';
export * from './sessions.ts';
export * from './messages.ts';
export * from './citations.ts';
export * from './feedback.ts';
export * from './lifecycle.ts';
