// Bad input (config, catalogue, claims, results files, CLI flags) is the user's to fix: it gets one
// clear message naming the file, line and field, and the CLI exits with code 2.

export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
