/**
 * Electron main process: the window, the menu, native dialogs and file access confined to what the user
 * chose. Renderer content is local; contextIsolation and sandbox on, nodeIntegration off, a strict CSP,
 * and every IPC message validated (folderAccess.ts).
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, session, shell } from 'electron';
import * as path from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../cli/fsio';
import { FolderAccess } from './folderAccess';
import { isInputError } from '../core/errors';

const access = new FolderAccess();
let win: BrowserWindow | null = null;

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'MulFA Studio',
    webPreferences: {
      preload: path.join(__dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // No navigation away from the app, no new windows; links open in the system browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
}

/** Dataset folders the user opened before (userData/recent.json), newest first. */
function recentFile(): string { return path.join(app.getPath('userData'), 'recent.json'); }
function loadRecent(): string[] {
  try {
    const list = JSON.parse(readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && path.isAbsolute(p)).slice(0, 8) : [];
  } catch { return []; }
}
function remember(folder: string): void {
  const list = [folder, ...loadRecent().filter((p) => p !== folder)].slice(0, 8);
  try { writeFileAtomic(recentFile(), new TextEncoder().encode(JSON.stringify(list))); } catch { /* recent items are a convenience */ }
  app.addRecentDocument(folder);
  buildMenu();
}

/** Grants a folder the user picked (dialog or recent list) and tells the renderer. */
function openFolder(folder: string): { token: string; name: string } | null {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    void dialog.showMessageBox(win!, { type: 'error', message: `${folder} is not a folder any more` });
    return null;
  }
  remember(folder);
  return access.grant(folder);
}

async function chooseDataset(): Promise<{ token: string; name: string } | null> {
  const r = await dialog.showOpenDialog(win!, { title: 'Open Dataset', properties: ['openDirectory'] });
  if (r.canceled || r.filePaths.length !== 1) return null;
  return openFolder(r.filePaths[0]);
}

/** IPC results carry errors as data so the renderer shows the same message as the CLI. */
function handle(channel: string, fn: (...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, async (_e, ...args: unknown[]) => {
    try {
      return { ok: true, value: await fn(...args) };
    } catch (e) {
      return { ok: false, error: isInputError(e) ? e.message : `internal error: ${(e as Error).message}` };
    }
  });
}

function buildMenu(): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [
      { label: 'Open Dataset…', accelerator: 'CmdOrCtrl+O', click: async () => {
        const granted = await chooseDataset();
        if (granted) win?.webContents.send('menu:dataset-opened', granted);
      } },
      { label: 'Open Recent', submenu: loadRecent().length ? loadRecent().map((p) => ({ label: p, click: () => {
        const granted = openFolder(p);
        if (granted) win?.webContents.send('menu:dataset-opened', granted);
      } })) : [{ label: 'No recent datasets', enabled: false }] },
      { label: 'Open Demo Scene', click: () => win?.webContents.send('menu:open-demo') },
      { type: 'separator' },
      { label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+Shift+O', click: () => win?.webContents.send('menu:open-snapshot') },
      { label: 'Save Snapshot', accelerator: 'CmdOrCtrl+S', click: () => win?.webContents.send('menu:save-snapshot') },
      { label: 'Export Video…', accelerator: 'CmdOrCtrl+E', click: () => win?.webContents.send('menu:export-video') },
      { type: 'separator' },
      { role: 'quit' },
    ] },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    // cross-origin isolation: SharedArrayBuffer, so the training worker's kernels can use threads
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP],
      'Cross-Origin-Opener-Policy': ['same-origin'], 'Cross-Origin-Embedder-Policy': ['require-corp'] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  handle('dataset:choose', () => chooseDataset());
  handle('dataset:readFile', (token, p) => access.readFile(token, p));
  handle('dataset:stat', (token, p) => access.stat(token, p));
  handle('dataset:list', (token, p) => access.list(token, p));
  buildMenu();
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
});

app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
