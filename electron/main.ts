/**
 * Electron main process: the window, the menu, native dialogs and file access confined to what the user
 * chose. Renderer content is local; contextIsolation and sandbox on, nodeIntegration off, a strict CSP,
 * every IPC message from the app's own top frame only and validated (folderAccess.ts); the policy itself
 * (CSP, external links, dev server URL, trusted senders) is in policy.ts; fuses for packaged builds in fuses.ts.
 */
import { app, BrowserWindow, Menu, Notification, dialog, ipcMain, session, shell } from 'electron';
import * as path from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../datasets/node/files';
import { FolderAccess } from './folderAccess';
import { NewScene, type NewSceneKind } from './newScene';
import { isInputError } from '../core/errors';
import { pathToFileURL } from 'node:url';
import { allowedExternalUrl, contentSecurityPolicy, devRendererUrl, noticeText, progressValue, trustedSenderUrl } from './policy';

const access = new FolderAccess();
const newScene = new NewScene();
let win: BrowserWindow | null = null;

const devUrl = devRendererUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged);
const indexFile = path.join(__dirname, '../renderer/index.html');
/** The app icon (renderer/public/icon.png, copied next to index.html by the renderer build). */
const iconFile = path.join(__dirname, '../renderer/icon.png');
export const CSP = contentSecurityPolicy({ dev: devUrl !== null, meta: false });

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: 'MulFA Studio',
    ...(existsSync(iconFile) ? { icon: iconFile } : {}),
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
    if (allowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(indexFile);
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

/** "New Scene from Photos/Video…": dialogs here, COLMAP through processPhotos, the new dataset granted as if opened. */
async function makeScene(kind: unknown): Promise<{ token: string; name: string } | null> {
  const folder = await newScene.run(kind, {
    chooseInput: async (k: NewSceneKind) => {
      const r = k === 'photos'
        ? await dialog.showOpenDialog(win!, { title: 'New Scene from Photos: choose the folder of photos', properties: ['openDirectory'] })
        : await dialog.showOpenDialog(win!, { title: 'New Scene from Video: choose the video', properties: ['openFile'],
          filters: [{ name: 'Videos', extensions: ['mp4', 'mov', 'm4v', 'webm', 'mkv', 'avi'] }] });
      return r.canceled || r.filePaths.length !== 1 ? null : r.filePaths[0];
    },
    chooseOutput: async (suggested) => {
      const r = await dialog.showSaveDialog(win!, { title: 'Save the new dataset as (a new folder)', defaultPath: suggested, buttonLabel: 'Create' });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    progress: (p) => win?.webContents.send('process:progress', p),
  });
  return folder ? openFolder(folder) : null;
}

/** IPC results carry errors as data so the renderer shows the same message as the CLI. */
function handle(channel: string, fn: (...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, async (e, ...args: unknown[]) => {
    // only the app's own page in its window's top frame may call (not an iframe, another window or page)
    const frame = e.senderFrame;
    if (!win || e.sender !== win.webContents || !frame || frame.parent !== null ||
      !trustedSenderUrl(frame.url, { indexFileUrl: pathToFileURL(indexFile).href, devUrl })) {
      return { ok: false, error: 'refused: the request did not come from the app window' };
    }
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
      { label: 'New Scene from Photos…', click: () => win?.webContents.send('menu:new-from-photos') },
      { label: 'New Scene from Video…', click: () => win?.webContents.send('menu:new-from-video') },
      { type: 'separator' },
      { label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+Shift+O', click: () => win?.webContents.send('menu:open-snapshot') },
      { label: 'Save Snapshot', accelerator: 'CmdOrCtrl+S', click: () => win?.webContents.send('menu:save-snapshot') },
      { label: 'Export Video…', accelerator: 'CmdOrCtrl+E', click: () => win?.webContents.send('menu:export-video') },
      { label: 'Export Mesh…', accelerator: 'CmdOrCtrl+Shift+E', click: () => win?.webContents.send('menu:export-mesh') },
      { type: 'separator' },
      { role: 'quit' },
    ] },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [
      { label: 'Keyboard Shortcuts', accelerator: 'Shift+/', click: () => win?.webContents.send('menu:shortcuts') },
      { label: 'MulFAGrid Paper (arXiv)', click: () => void shell.openExternal('https://arxiv.org/abs/2403.20002') },
    ] },
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
  session.defaultSession.setPermissionCheckHandler(() => false);
  handle('dataset:choose', () => chooseDataset());
  handle('dataset:readFile', (token, p, maxBytes) => access.readFile(token, p, maxBytes));
  handle('dataset:readEnds', (token, p, head, tail) => access.readEnds(token, p, head, tail));
  handle('dataset:stat', (token, p) => access.stat(token, p));
  handle('dataset:list', (token, p) => access.list(token, p));
  handle('process:start', (kind) => makeScene(kind));
  handle('process:cancel', () => newScene.cancel());
  handle('app:progress', (x) => {
    const v = progressValue(x);
    if (v === null) throw new Error('progress must be a number in [0, 1] or -1');
    win?.setProgressBar(v);
  });
  handle('app:notify', (title, body) => {
    const n = noticeText(title, body);
    if (!n) throw new Error('a notification needs a title and a body');
    if (Notification.isSupported()) new Notification({ ...n, ...(existsSync(iconFile) ? { icon: iconFile } : {}) }).show();
    if (win && !win.isFocused()) win.flashFrame(true);
  });
  buildMenu();
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
});

// No <webview>, no navigation, no new windows from any web contents the app creates.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
