// Lint configuration: findings fail the build (`npm run lint` is part of `npm test`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "web/dist/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", fetch: "readonly", performance: "readonly", Buffer: "readonly", AbortController: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      // A `let` read by closures before its one assignment (wiring at start-up) cannot be a const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      "no-restricted-syntax": ["error", { selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']", message: "Only the entry point (src/cli/main.ts) ends the process." }],
    },
  },
  { files: ["src/cli/main.ts", "bench/**", "bin/**"], rules: { "no-restricted-syntax": "off" } },
);
