// `stencil-current-customer/theme`: the installer and the doctor as a library, for build scripts and other
// tools. The `stencil-current-customer install | uninstall | doctor` commands are thin wrappers around these.
export type { DoctorOptions, DoctorReport, Finding, FindingCode } from './doctor.js';
export { diagnose } from './doctor.js';
export type { ThemeErrorCode } from './errors.js';
export { ThemeError } from './errors.js';
export type {
  FileChange,
  FileSystemOps,
  InstallOptions,
  Plan,
  UninstallOptions,
} from './installer.js';
export { applyChanges, install, planInstall, planUninstall, uninstall } from './installer.js';
export type { CurrentCustomerSettings, SettingKey, SettingsDefaults } from './settings.js';
export { configSettings, SETTING_KEYS } from './settings.js';
