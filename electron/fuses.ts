/**
 * Electron fuses for a packaged MulFA Studio: features a desktop app that loads only its own files does not
 * need, switched off in the binary itself (they cannot be turned back on by environment variables or flags).
 * Run on the packaged Electron executable: `npm run fuses -- <path to the app's electron binary>`.
 */
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

export const FUSES = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: false,
  // ELECTRON_RUN_AS_NODE would turn the app into a plain Node that runs any script
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

export async function applyFuses(electronBinary: string): Promise<void> {
  await flipFuses(electronBinary, { ...FUSES, resetAdHocDarwinSignature: process.platform === 'darwin' });
}

if (process.argv[1] && /fuses\.ts$/.test(process.argv[1])) {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: npm run fuses -- <path to the packaged app\'s Electron binary>\n');
    process.exit(2);
  }
  applyFuses(target).then(() => process.stdout.write(`fuses set in ${target}\n`), (e) => {
    process.stderr.write(`fuses: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
