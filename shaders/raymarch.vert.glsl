// The viewport ray marcher's vertex stage (renderer/viewport/Viewport.ts): the box's back faces, passing
// the world position on to the fragment stage. three.js prepends its uniforms (modelMatrix, …).
out vec3 vWorld;
void main() {
  vec4 w = modelMatrix * vec4(position, 1.0);
  vWorld = w.xyz;
  gl_Position = projectionMatrix * viewMatrix * w;
}
