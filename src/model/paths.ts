// The user-facing paths a service verdict is split into: the vocabulary shared by the catalogue (which
// path a target serves), the verdicts and the claims.

export const PATHS = ['chat', 'web', 'call'] as const;
export type ServicePath = (typeof PATHS)[number];
