const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "coverage/",
      "data/",
      "scripts/",
      "bench/**/*.js",
      "test/tools/*.js",
      "*.config.js",
      "eslint.config.js",
      "console/src/graphql-env.d.ts",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["warn", "error"] }],
    },
  },
  {
    files: ["src/cli/**", "bench/**", "test/**"],
    rules: { "no-console": "off" },
  },
);
