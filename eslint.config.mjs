// ESLint (flat config): typescript-eslint's recommended rules for lib/, JavaScript's for the
// tooling. Formatting is Prettier's job (.prettierrc.json), not the linter's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", ".venv/", ".jupyter/", "**/*.d.ts"] },
  {
    files: ["lib/**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // No `any` at module boundaries: say what a value is, or `unknown` and check it.
      "@typescript-eslint/no-explicit-any": "error",
      // Compiled to CommonJS: require() is how a lazy or optional module is loaded.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/scripts/**"], message: "lib/ stands alone: tooling imports lib, never the reverse" }] },
      ],
    },
  },
  {
    files: ["**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Functions passed to page.evaluate() run in the browser.
    files: ["scripts/browser/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
