import js from "@eslint/js";
import drizzle from "eslint-plugin-drizzle";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".next/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "db/migrations/**", "bench/results/**", "dist/**"] },
  js.configs.recommended,
  { files: ["**/*.{js,mjs,cjs}"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { drizzle, "react-hooks": reactHooks },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-definitions": ["error", "type"],
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx", "ctx.db", "t.db"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx", "ctx.db", "t.db"] }],
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "no-console": "off",
    },
  },
  // Layers point one way: app -> components, lib; voice-server -> lib; lib -> db. Code both processes need lives
  // in lib (lib/audio, lib/agents/business-hours). Tests beside lib code may drive the voice server's parts.
  {
    files: ["lib/**/*.{ts,tsx}"],
    ignores: ["lib/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/voice-server", "@/voice-server/*", "**/voice-server/**"], message: "lib must not import the voice server: move the shared code into lib." },
            { group: ["@/app", "@/app/*", "**/app/**"], message: "lib must not import app/: routes and actions call lib, not the other way." },
          ],
        },
      ],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    // Components that still import their server actions from app/; new ones get actions as props.
    ignores: [
      "components/agents/tests-panel.tsx",
      "components/agents/clear-examples-button.tsx",
      "components/agents/business-hours-form.tsx",
      "components/agents/capture-fields-form.tsx",
      "components/agents/departments-panel.tsx",
      "components/agents/knowledge-panel.tsx",
      "components/agents/new-agent-form.tsx",
      "components/agents/publish-bar.tsx",
      "components/agents/settings-form.tsx",
      "components/agents/versions-panel.tsx",
      "components/auth/auth-forms.tsx",
      "components/auth/password-forms.tsx",
      "components/calls/reanalyze-button.tsx",
      "components/numbers/buy-number-panel.tsx",
      "components/numbers/import-numbers-panel.tsx",
      "components/numbers/numbers-list.tsx",
      "components/numbers/twilio-account-panel.tsx",
      "components/settings/retention-form.tsx",
      "components/settings/accept-invitation.tsx",
      "components/settings/api-keys.tsx",
      "components/settings/members.tsx",
      "components/settings/new-team-form.tsx",
      "components/settings/team-settings-form.tsx",
      "components/settings/transfer-countries-form.tsx",
      "components/settings/webhooks.tsx",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/app", "@/app/*", "**/app/**"], message: "components get server actions as props; they do not import app/." }] },
      ],
    },
  },
);
