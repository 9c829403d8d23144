// @ts-check
/**
 * A typedoc plugin (typedoc.json's `plugin`): the fields and methods a reader
 * looks up must be documented too. typedoc's own check (`requiredToBeDocumented`)
 * cannot be given `Property`: it would also ask for a comment on every member
 * of an inferred type (each drizzle column of a table's type, each key of a
 * zod schema's shape), some 1,900 of them. This asks only for what is declared
 * in our source as a member of an exported interface or class: option fields,
 * result fields, error fields. A member that overrides one of its base (an
 * error's `name`, `code`) or is inherited is covered by the base.
 */
import { Application, ReflectionKind } from 'typedoc';

/** @param {Application} app */
export function load(app) {
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    if (!app.options.getValue('validation').notDocumented) return;
    const members = project.getReflectionsByKind(ReflectionKind.Property | ReflectionKind.Method | ReflectionKind.Accessor);
    for (const member of members) {
      if (!member.parent?.kindOf(ReflectionKind.Interface | ReflectionKind.Class)) continue;
      if (!('inheritedFrom' in member) || member.inheritedFrom || member.overwrites) continue;
      if (project.getSymbolIdFromReflection(member)?.packageName !== project.packageName) continue;
      const signatures = member.getAllSignatures();
      if (member.hasComment() || signatures.some((signature) => signature.hasComment())) continue;
      const where = project.getSymbolIdFromReflection(member)?.packagePath ?? '';
      app.logger.validationWarning(
        /** @type {import('typedoc').TranslatedString} */ (
          `${member.getFriendlyFullName()} (${ReflectionKind[member.kind]}), declared in ${where}, does not have any documentation`
        ),
      );
    }
  });
}
