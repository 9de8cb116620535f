/**
 * The exit codes of `steward`, those of jenkins-cli where it has one (docs/cli.md lists them).
 * `build -s`/`-f` exit with the build result's code instead (0 to 4).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  illegalArgument: 3,
  illegalState: 4,
  aborted: 5,
  accessDenied: 6,
  badCredentials: 7,
  detached: 125,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The code `build -s` exits with for a result: its ordinal, as jenkins-cli does. */
export const RESULT_EXIT_CODE: Readonly<Record<string, number>> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

/** A failure the command line reports as one message (and an optional hint) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
    readonly hint: string | null = null,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
