// `node --import ./ts-register.mjs child.ts`: installs ts-hooks.mjs for the child process.
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
