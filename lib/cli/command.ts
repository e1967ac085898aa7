/** What a `proclab <command>` module provides to the dispatcher in cli.ts. */
export interface Command {
  /** One line for `proclab --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: readonly string[]): Promise<number>;
}
