/// <reference path="../../shaders/glsl.d.ts" />
/**
 * The live viewport (three.js, WebGL2): the scene's box and training-camera frusta, orbit controls, and the
 * field drawn by a GLSL ray marcher over 3D textures baked by the training worker (core/render/bake.ts),
 * marching exactly like the engine (same sample positions, DVGO alpha, early termination) so the two agree.
 * "Exact" mode overlays an engine render of the resting view. Before a field exists, the training images hang in
 * their frusta; clicking near a camera looks through it. The canvas follows its container's size (device-pixel-
 * ratio aware); while the view moves the render scale drops to keep the frame rate and returns to full at rest.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Scene as Dataset } from '../../core/scene/Scene';
import type { Camera } from '../../core/scene/Camera';
import type { BakedField } from '../../core/render/bake';
import VERT from '../../shaders/raymarch.vert.glsl?raw';
import FRAG from '../../shaders/raymarch.frag.glsl?raw';

export class Viewport {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(40, 1, 0.05, 100);
  readonly controls: OrbitControls;
  private readonly helpers = new THREE.Group();
  private volume: THREE.Mesh<THREE.BoxGeometry, THREE.ShaderMaterial> | null = null;
  private cams: Camera[] = [];
  private dataset: Dataset | null = null;
  private readonly images = new THREE.Group();
  private dirty = true;
  /** Fixed drawing-buffer size (tests, comparisons), or null to follow the container. */
  private fixed: [number, number] | null = null;
  /** Fraction of the device resolution rendered (adapted while moving, 1 at rest). */
  private scale = 1;
  private moving = false;
  private lastFrame = 0;
  onScaleChange: (scale: number) => void = () => {};
  /** Called after the camera has rested (no change for a while): exact renders and view-dependent re-bakes. */
  onRest: () => void = () => {};
  /** A training camera's image and comparison (after looking through it). */
  onPick: (view: number) => void = () => {};
  /** A click near training camera i's centre. */
  onPickCamera: (view: number) => void = () => {};
  private downAt: [number, number] | null = null;
  private restTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(1);
    this.renderer.outputColorSpace = THREE.LinearSRGBColorSpace; // the field's colours are already sRGB-encoded
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.addEventListener('change', () => this.changed());
    this.scene.add(this.helpers);
    this.helpers.add(this.images);
    canvas.addEventListener('pointerdown', (e) => { this.downAt = [e.clientX, e.clientY]; });
    canvas.addEventListener('click', (e) => {
      canvas.focus();
      // a click, not the end of a drag
      if (!this.downAt || Math.hypot(e.clientX - this.downAt[0], e.clientY - this.downAt[1]) < 5) this.pick(e);
    });
    this.controls.addEventListener('start', () => { this.moving = true; this.lastFrame = 0; });
    this.controls.addEventListener('end', () => { this.moving = false; });
    new ResizeObserver(() => this.fit()).observe(canvas.parentElement ?? canvas);
    // fly: W/S forward and back, A/D sideways, Q/E down and up (the orbit target moves along)
    canvas.tabIndex = 0;
    canvas.addEventListener('keydown', (e) => {
      const k = e.key.toLowerCase(), keys: Record<string, [number, number, number]> = {
        w: [0, 0, -1], s: [0, 0, 1], a: [-1, 0, 0], d: [1, 0, 0], q: [0, -1, 0], e: [0, 1, 0] };
      const v = keys[k];
      if (!v) return;
      e.preventDefault();
      const step = (this.dataset ? new THREE.Vector3(...this.dataset.aabb[1]).sub(new THREE.Vector3(...this.dataset.aabb[0])).length() : 1) * 0.03;
      const move = new THREE.Vector3(...v).applyQuaternion(this.camera.quaternion).multiplyScalar(step * (e.shiftKey ? 4 : 1));
      this.camera.position.add(move);
      this.controls.target.add(move);
      this.controls.update();
      this.changed();
    });
    const loop = (now: number) => {
      if (this.dirty) {
        this.adapt(now);
        this.draw();
      } else this.lastFrame = 0;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  private changed(): void {
    this.dirty = true;
    if (this.restTimer) clearTimeout(this.restTimer);
    this.restTimer = setTimeout(() => {
      // at rest: full resolution again, then whatever else waits for rest
      if (this.scale < 1) { this.scale = 1; this.fit(); this.onScaleChange(1); }
      this.onRest();
    }, 400);
  }

  /** While frames follow each other (the view moving): lower the render scale when they come slower than 30 fps. */
  private adapt(now: number): void {
    if (this.fixed) return;
    const dt = this.lastFrame ? now - this.lastFrame : 0;
    this.lastFrame = now;
    if (!this.moving || dt === 0) return;
    let s = this.scale;
    if (dt > 34) s = Math.max(0.35, s * 0.8);
    else if (dt < 20) s = Math.min(1, s * 1.1);
    if (Math.abs(s - this.scale) > 0.01) { this.scale = s; this.fit(); this.onScaleChange(s); }
  }

  /** Drawing buffer = the canvas's CSS size × device pixel ratio × render scale (unless fixed). */
  private fit(): void {
    if (this.fixed) return;
    const r = this.canvas.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return;
    const k = (globalThis.devicePixelRatio || 1) * this.scale;
    this.applySize(Math.max(1, Math.round(r.width * k)), Math.max(1, Math.round(r.height * k)));
  }

  private applySize(width: number, height: number): void {
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  /** A fixed drawing-buffer size in pixels (tests compare pixels with engine renders of a camera). */
  setSize(width: number, height: number): void {
    this.fixed = [width, height];
    this.applySize(width, height);
    this.changed();
  }

  /** Back to following the container's size. */
  autoSize(): void {
    this.fixed = null;
    this.fit();
    this.changed();
  }

  get renderScale(): number { return this.scale; }

  /** A new dataset: box, frusta, a default view that frames the box. */
  setDataset(ds: Dataset, cameras: Camera[]): void {
    this.dataset = ds;
    this.cams = cameras;
    this.helpers.clear();
    this.clearImages();
    this.helpers.add(this.images);
    if (this.volume) { this.scene.remove(this.volume); this.volume = null; }
    const [lo, hi] = ds.aabb;
    const box = new THREE.Box3(new THREE.Vector3(...lo), new THREE.Vector3(...hi));
    this.helpers.add(new THREE.Box3Helper(box, new THREE.Color(0x6ea8ff)));
    const size = box.getSize(new THREE.Vector3()).length();
    const pts: number[] = [];
    for (const cam of cameras) {
      const m = new THREE.Matrix4().fromArray(Array.from(cam.c2w));
      const depth = this.frustumDepth(), hw = (depth * cam.width) / (2 * cam.fx), hh = (depth * cam.height) / (2 * cam.fy);
      const c = new THREE.Vector3().applyMatrix4(m);
      const corners = [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]].map(([x, y]) => new THREE.Vector3(x, y, -depth).applyMatrix4(m));
      for (let i = 0; i < 4; i++) pts.push(...c.toArray(), ...corners[i].toArray(), ...corners[i].toArray(), ...corners[(i + 1) % 4].toArray());
    }
    const geo = new THREE.BufferGeometry().setAttribute('position', new THREE.Float32BufferAttribute(pts, 3));
    this.helpers.add(new THREE.LineSegments(geo, new THREE.LineBasicMaterial({ color: 0xffae57 })));
    const bg = ds.background ?? [0, 0, 0];
    this.renderer.setClearColor(new THREE.Color(bg[0], bg[1], bg[2]));
    this.frame();
  }

  /** Frusta drawn this deep (world units): a tenth of the box diagonal. */
  private frustumDepth(): number {
    if (!this.dataset) return 1;
    const [lo, hi] = this.dataset.aabb;
    return Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) * 0.1;
  }

  /** The default view: the whole box from behind the first training camera (its frustum and image in sight); forward-facing scenes: that camera's view. */
  frame(): void {
    if (!this.dataset) return;
    // forward-facing captures are seen as they were taken: through the first camera
    if (this.dataset.space?.kind === 'forward' && this.cams[0]) { this.lookThrough(this.cams[0]); return; }
    const [lo, hi] = this.dataset.aabb;
    const box = new THREE.Box3(new THREE.Vector3(...lo), new THREE.Vector3(...hi));
    const size = box.getSize(new THREE.Vector3()).length();
    const center = box.getCenter(new THREE.Vector3());
    const first = this.cams[0];
    const eye = first ? new THREE.Vector3().setFromMatrixPosition(new THREE.Matrix4().fromArray(Array.from(first.c2w))).sub(center).multiplyScalar(1.6).add(center)
      : center.clone().add(new THREE.Vector3(0, -size, size * 0.5));
    this.camera.position.copy(eye);
    this.camera.fov = 40;
    this.camera.updateProjectionMatrix();
    this.camera.up.set(0, 0, 1);
    this.controls.target.copy(center);
    this.controls.update();
    this.changed();
  }

  /** Hangs a training image (any canvas, drawn small) in the frustum of training camera i, at the frustum's base. */
  addCameraImage(i: number, image: HTMLCanvasElement): void {
    const cam = this.cams[i];
    if (!cam) return;
    const depth = this.frustumDepth(), w = (depth * cam.width) / cam.fx, h = (depth * cam.height) / cam.fy;
    const tex = new THREE.CanvasTexture(image);
    tex.colorSpace = THREE.NoColorSpace; // the pixels are already display-encoded, as the field's colours
    const plane = new THREE.Mesh(new THREE.PlaneGeometry(w, h), new THREE.MeshBasicMaterial({ map: tex, side: THREE.DoubleSide, transparent: true, opacity: 0.92 }));
    // the plane's centre on the optical axis (the principal point's offset ignored: a preview)
    plane.applyMatrix4(new THREE.Matrix4().makeTranslation(0, 0, -depth));
    plane.applyMatrix4(new THREE.Matrix4().fromArray(Array.from(cam.c2w)));
    this.images.add(plane);
    this.dirty = true;
  }

  private clearImages(): void {
    for (const m of this.images.children as THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>[]) {
      m.geometry.dispose();
      m.material.map?.dispose();
      m.material.dispose();
    }
    this.images.clear();
  }

  /** Training images in the frusta on or off (they give way to the field once one is baked). */
  showImages(on: boolean): void {
    this.images.visible = on;
    this.dirty = true;
  }

  /** Frusta and box on or off (off for comparisons with engine renders). */
  showHelpers(on: boolean): void {
    this.helpers.visible = on;
    this.changed();
  }

  /** New baked textures from the training worker. */
  setBaked(b: BakedField, near: number, far: number, background: [number, number, number]): void {
    if (!this.dataset) return;
    this.images.visible = false;
    const N = b.size;
    const half = new Uint16Array(b.density.length);
    for (let i = 0; i < half.length; i++) half[i] = THREE.DataUtils.toHalfFloat(Math.max(-60000, Math.min(60000, b.density[i])));
    const dens = new THREE.Data3DTexture(half, N, N, N);
    dens.format = THREE.RedFormat; dens.type = THREE.HalfFloatType;
    const col = new THREE.Data3DTexture(b.rgb, N, N, N);
    col.format = THREE.RGBAFormat; col.type = THREE.UnsignedByteType;
    for (const t of [dens, col]) {
      t.minFilter = t.magFilter = THREE.LinearFilter;
      t.wrapS = t.wrapT = t.wrapR = THREE.ClampToEdgeWrapping;
      t.unpackAlignment = 1;
      t.needsUpdate = true;
    }
    const [lo, hi] = this.dataset.aabb, [glo, ghi] = b.space.box, ndc = b.space.ndc, R = ndc?.w2c, fg = b.space.fg;
    const uniforms = {
      uDensity: { value: dens }, uColor: { value: col }, uBoxMin: { value: new THREE.Vector3(...glo) }, uBoxMax: { value: new THREE.Vector3(...ghi) },
      uSize: { value: N }, uVoxel: { value: b.voxel }, uStep: { value: b.step }, uNear: { value: near }, uFar: { value: far },
      uBg: { value: new THREE.Vector3(...background) },
      // forward-facing scenes: the ray into the reference camera's NDC first (core/scene/space.ts)
      uForward: { value: ndc !== null },
      uW2C: { value: R ? new THREE.Matrix4().set(R[0], R[1], R[2], R[3], R[4], R[5], R[6], R[7], R[8], R[9], R[10], R[11], 0, 0, 0, 1) : new THREE.Matrix4() },
      uNdc: { value: new THREE.Vector3(ndc?.ax ?? 1, ndc?.ay ?? 1, ndc?.near ?? 1) },
      // unbounded scenes: foreground-relative rays, samples contracted (core/render/sampling.ts countContracted)
      uContract: { value: !!fg },
      uFg: { value: new THREE.Vector4(fg?.centre[0] ?? 0, fg?.centre[1] ?? 0, fg?.centre[2] ?? 0, fg?.half ?? 1) },
    };
    if (this.volume) {
      const u = this.volume.material.uniforms;
      (u.uDensity.value as THREE.Texture).dispose();
      (u.uColor.value as THREE.Texture).dispose();
      Object.assign(u, uniforms);
    } else {
      // the box whose back faces start the rays: the scene's box, or for unbounded scenes one around the eye
      // inside the far plane (every pixel sees the contracted world)
      const s = this.camera.far * 0.5;
      const size = fg ? new THREE.Vector3(s, s, s) : new THREE.Vector3(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
      const mat = new THREE.ShaderMaterial({ glslVersion: THREE.GLSL3, vertexShader: VERT, fragmentShader: FRAG, uniforms, side: THREE.BackSide,
        depthWrite: false });
      this.volume = new THREE.Mesh(new THREE.BoxGeometry(size.x, size.y, size.z), mat);
      this.volume.position.set((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2);
      this.volume.renderOrder = -1;
      this.volume.userData.followsEye = !!fg;
      this.scene.add(this.volume);
    }
    this.dirty = true;
  }

  /** Puts the viewport camera at a dataset camera (pose and vertical field of view). */
  lookThrough(cam: Camera): void {
    const m = new THREE.Matrix4().fromArray(Array.from(cam.c2w));
    const pos = new THREE.Vector3(), q = new THREE.Quaternion(), s = new THREE.Vector3();
    m.decompose(pos, q, s);
    this.camera.position.copy(pos);
    this.camera.quaternion.copy(q);
    this.camera.fov = (2 * Math.atan((0.5 * cam.height) / cam.fy) * 180) / Math.PI;
    this.camera.updateProjectionMatrix();
    // keep orbiting around a point in front of the camera
    const fwd = new THREE.Vector3(0, 0, -1).applyQuaternion(q);
    this.controls.target.copy(pos.clone().add(fwd.multiplyScalar(pos.length() || 1)));
    this.camera.up.set(0, 0, 1);
    this.camera.quaternion.copy(q);
    this.changed();
  }

  /** The viewport's current view as an engine camera (pinhole, centred principal point). */
  engineCamera(width = this.canvas.width, height = this.canvas.height): Camera {
    this.camera.updateMatrixWorld();
    const fy = (0.5 * height) / Math.tan((this.camera.fov * Math.PI) / 360);
    return { c2w: Float64Array.from(this.camera.matrixWorld.elements), width, height, fx: fy, fy, cx: width / 2, cy: height / 2, distortion: null };
  }

  get eye(): number[] {
    return this.camera.position.toArray();
  }

  /** Renders now (tests read the canvas right after). */
  renderNow(): void {
    this.draw();
  }

  private draw(): void {
    // unbounded scenes fill every pixel: their marcher's box (back faces) travels with the eye
    if (this.volume && this.volume.userData.followsEye) this.volume.position.copy(this.camera.position);
    this.renderer.render(this.scene, this.camera);
    this.dirty = false;
  }

  private pick(e: MouseEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const mx = ((e.clientX - r.left) / r.width) * 2 - 1, my = -(((e.clientY - r.top) / r.height) * 2 - 1);
    let best = -1, bestD = 0.04;
    this.cams.forEach((cam, i) => {
      const p = new THREE.Vector3(cam.c2w[12], cam.c2w[13], cam.c2w[14]).project(this.camera);
      if (p.z > 1) return;
      const dd = Math.hypot(p.x - mx, p.y - my);
      if (dd < bestD) { bestD = dd; best = i; }
    });
    if (best >= 0) this.onPickCamera(best);
  }
}
