import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "build/",
      "lib/generated/",
      "examples/generated/",
      "examples/own-service/src/gen/",
      "examples/own-service/dist/",
      "spec/types/generated/",
      "node_modules/",
      "bench/node_modules/",
      "bench/results/",
      "docs/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["spec/**/*.ts", "examples/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.cjs", "**/*.js"],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
      },
    },
  },
  {
    // The plain-JavaScript examples show CommonJS as its users write it.
    files: ["examples/javascript/**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
