// The helper protocol's fixed words, without zod: the verdict rules read them in every run, and a
// run that asks no helper should not build the protocol's schemas (src/protocol/helper.ts).

/** The failure the helper gives to a step it was asked for but does not implement (an extension kind it does not know). */
export const NOT_SUPPORTED = 'x_not_supported';

/** The answer for a trace asked "if unanswered" whose endpoint answered: the answer says more. */
export const NOT_NEEDED = 'x_not_needed';

/**
 * The probe's reason for a question it withdrew (failure `interrupted`) because its own chains settled
 * it: a relay path shown open here. Not a helper failure (analysis/outside-view.ts helperUse).
 */
export const WITHDRAWN = 'withdrawn: the path is shown open here, so an outside view could change nothing';
