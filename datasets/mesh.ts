/**
 * Geometry files through three.js's exporters: a mesh (core/mesh/extract.ts) as glTF binary (.glb), PLY or
 * OBJ with per-vertex colours and normals, a point cloud as PLY. Runs in the browser and in Node (where
 * GLTFExporter's Blob → ArrayBuffer step gets a minimal FileReader).
 */
import * as THREE from 'three';
import { GLTFExporter } from 'three/examples/jsm/exporters/GLTFExporter.js';
import { PLYExporter } from 'three/examples/jsm/exporters/PLYExporter.js';
import { OBJExporter } from 'three/examples/jsm/exporters/OBJExporter.js';
import type { MeshData, PointCloud } from '../core/mesh/extract';

export type MeshFormat = 'glb' | 'ply' | 'obj';
export const MESH_FORMATS: readonly MeshFormat[] = ['glb', 'ply', 'obj'];

/** The format a file name asks for, or null. */
export function meshFormatOf(name: string): MeshFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return MESH_FORMATS.includes(ext as MeshFormat) ? (ext as MeshFormat) : null;
}

/** sRGB-encoded [0, 1] → linear, three's working colour space (the exporters convert back where a format wants sRGB). */
function toLinear(srgb: Float32Array): Float32Array {
  return srgb.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
}

export function meshGeometry(mesh: MeshData): THREE.BufferGeometry {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(mesh.positions, 3));
  g.setAttribute('normal', new THREE.BufferAttribute(mesh.normals, 3));
  g.setAttribute('color', new THREE.BufferAttribute(toLinear(mesh.colors), 3));
  g.setIndex(new THREE.BufferAttribute(mesh.indices, 1));
  return g;
}

/** The mesh as file bytes in the given format. */
export async function encodeMesh(mesh: MeshData, format: MeshFormat, name = 'mulfa-mesh'): Promise<Uint8Array> {
  const obj = new THREE.Mesh(meshGeometry(mesh), new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 1, metalness: 0 }));
  obj.name = name;
  try {
    if (format === 'obj') return new TextEncoder().encode(new OBJExporter().parse(obj));
    if (format === 'ply') return plyBytes(obj);
    ensureFileReader();
    const glb = await new GLTFExporter().parseAsync(obj, { binary: true });
    return new Uint8Array(glb as ArrayBuffer);
  } finally {
    obj.geometry.dispose();
    obj.material.dispose();
  }
}

/** A point cloud as binary PLY (positions, 8-bit sRGB colours). */
export function encodePoints(cloud: PointCloud): Uint8Array {
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(cloud.positions, 3));
  g.setAttribute('color', new THREE.BufferAttribute(toLinear(cloud.colors), 3));
  const pts = new THREE.Points(g);
  try {
    return plyBytes(pts);
  } finally {
    g.dispose();
  }
}

function plyBytes(obj: THREE.Object3D): Uint8Array {
  // no callback: it would be deferred through requestAnimationFrame; the result is also returned
  const out = new PLYExporter().parse(obj, undefined as unknown as (r: ArrayBuffer | string) => void, { binary: true, littleEndian: true }) as unknown;
  if (!(out instanceof ArrayBuffer)) throw new Error('PLYExporter returned no bytes');
  return new Uint8Array(out);
}

/** Node has Blob but no FileReader; GLTFExporter reads its output Blob through one. */
function ensureFileReader(): void {
  const g = globalThis as { FileReader?: unknown };
  if (g.FileReader) return;
  g.FileReader = class {
    result: ArrayBuffer | string | null = null;
    onloadend: (() => void) | null = null;
    readAsArrayBuffer(blob: Blob): void {
      void blob.arrayBuffer().then((b) => { this.result = b; this.onloadend?.(); });
    }
    readAsDataURL(blob: Blob): void {
      void blob.arrayBuffer().then((b) => {
        let s = '';
        const u = new Uint8Array(b);
        for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode(...u.subarray(i, i + 0x8000));
        this.result = `data:${blob.type || 'application/octet-stream'};base64,${btoa(s)}`;
        this.onloadend?.();
      });
    }
  };
}
