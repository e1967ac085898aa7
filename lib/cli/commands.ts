/** The subcommands of `proclab`. A new command is a module in lib/cli/ and one line here. */
import type { Command } from "./command";
import { assign } from "./assign";
import { grade } from "./grade";
import { handout } from "./handout";
import { rush } from "./rush";

export const commands: Readonly<Record<string, Command>> = {
  rush,
  assign,
  grade,
  handout,
};
