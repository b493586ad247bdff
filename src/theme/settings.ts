// The theme-settings fragments that the installer merges into a Stencil theme: `config.json` settings,
// one `schema.json` group for the theme editor and its `schemaTranslations.json` entries.

/** The `config.json` settings the partial reads, with their defaults. */
export interface CurrentCustomerSettings {
  current_customer_enabled: boolean;
  current_customer_app_client_id: string;
  current_customer_endpoint: string;
  current_customer_credentials: 'omit' | 'include';
  current_customer_body: 'text' | 'json';
  current_customer_auto_refresh: boolean;
  current_customer_debug: boolean;
}

export type SettingKey = keyof CurrentCustomerSettings;

export const SETTING_KEYS: readonly SettingKey[] = [
  'current_customer_enabled',
  'current_customer_app_client_id',
  'current_customer_endpoint',
  'current_customer_credentials',
  'current_customer_body',
  'current_customer_auto_refresh',
  'current_customer_debug',
];

export interface SettingsDefaults {
  /** The app's client id written as `current_customer_app_client_id` (default ""). */
  clientId?: string | undefined;
  /** The app backend's URL written as `current_customer_endpoint` (default ""). */
  endpoint?: string | undefined;
}

/** The `config.json` settings, in the order they are written. */
export function configSettings(defaults: SettingsDefaults = {}): CurrentCustomerSettings {
  return {
    current_customer_enabled: false,
    current_customer_app_client_id: defaults.clientId ?? '',
    current_customer_endpoint: defaults.endpoint ?? '',
    current_customer_credentials: 'omit',
    current_customer_body: 'text',
    current_customer_auto_refresh: true,
    current_customer_debug: false,
  };
}

export interface SchemaOption {
  value: string;
  label: string;
}

export type SchemaSetting =
  | { type: 'heading'; content: string }
  | { type: 'paragraph'; content: string }
  | { type: 'checkbox'; label: string; id: string }
  | { type: 'text'; label: string; id: string }
  | { type: 'select'; label: string; id: string; options: SchemaOption[] };

export interface SchemaGroup {
  name: string;
  settings: SchemaSetting[];
}

export interface Translation {
  default: string;
  [locale: string]: string;
}

/** Every `i18n.*` key the group uses, with its English text. */
export const TRANSLATIONS: Readonly<Record<string, Translation>> = {
  'i18n.CurrentCustomer': { default: 'Current Customer' },
  'i18n.CurrentCustomerApp': { default: 'App identification' },
  'i18n.CurrentCustomerEnabled': {
    default: 'Identify logged-in customers to the app',
  },
  'i18n.CurrentCustomerAppClientId': { default: 'App client ID' },
  'i18n.CurrentCustomerEndpoint': { default: 'App backend URL (https)' },
  'i18n.CurrentCustomerCredentials': { default: 'Cookies sent to the app backend' },
  'i18n.CurrentCustomerCredentialsOmit': { default: 'None (omit)' },
  'i18n.CurrentCustomerCredentialsInclude': { default: "The app backend's cookies (include)" },
  'i18n.CurrentCustomerBody': { default: 'How the token is sent to the app backend' },
  'i18n.CurrentCustomerBodyText': { default: 'The token alone, as text (no CORS preflight)' },
  'i18n.CurrentCustomerBodyJson': { default: 'JSON (for backends written against version 0.1)' },
  'i18n.CurrentCustomerAutoRefresh': { default: 'Refresh the token when it expires' },
  'i18n.CurrentCustomerDebug': { default: 'Log debugging information to the browser console' },
};

/**
 * The theme-editor group. With `translated` false (a theme without `schemaTranslations.json`), labels are the
 * English text itself instead of `i18n.*` keys.
 */
export function schemaGroup(translated = true): SchemaGroup {
  const t = (key: string): string => {
    if (translated) return key;
    const entry = TRANSLATIONS[key];
    if (!entry) throw new Error(`no translation for ${key}`);
    return entry.default;
  };
  return {
    name: t('i18n.CurrentCustomer'),
    settings: [
      { type: 'heading', content: t('i18n.CurrentCustomerApp') },
      { type: 'checkbox', label: t('i18n.CurrentCustomerEnabled'), id: 'current_customer_enabled' },
      {
        type: 'text',
        label: t('i18n.CurrentCustomerAppClientId'),
        id: 'current_customer_app_client_id',
      },
      { type: 'text', label: t('i18n.CurrentCustomerEndpoint'), id: 'current_customer_endpoint' },
      {
        type: 'select',
        label: t('i18n.CurrentCustomerCredentials'),
        id: 'current_customer_credentials',
        options: [
          { value: 'omit', label: t('i18n.CurrentCustomerCredentialsOmit') },
          { value: 'include', label: t('i18n.CurrentCustomerCredentialsInclude') },
        ],
      },
      {
        type: 'select',
        label: t('i18n.CurrentCustomerBody'),
        id: 'current_customer_body',
        options: [
          { value: 'text', label: t('i18n.CurrentCustomerBodyText') },
          { value: 'json', label: t('i18n.CurrentCustomerBodyJson') },
        ],
      },
      {
        type: 'checkbox',
        label: t('i18n.CurrentCustomerAutoRefresh'),
        id: 'current_customer_auto_refresh',
      },
      { type: 'checkbox', label: t('i18n.CurrentCustomerDebug'), id: 'current_customer_debug' },
    ],
  };
}

/** True when a `schema.json` group is this package's (it holds the enable setting). */
export function isOwnSchemaGroup(group: unknown): boolean {
  if (group === null || typeof group !== 'object') return false;
  const settings = (group as { settings?: unknown }).settings;
  return (
    Array.isArray(settings) &&
    settings.some(
      (setting: unknown) =>
        setting !== null &&
        typeof setting === 'object' &&
        (setting as { id?: unknown }).id === 'current_customer_enabled',
    )
  );
}
