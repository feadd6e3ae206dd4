import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run build` writes dist/, which the DataSync server serves on its own origin (cookie session, no CORS).
// `npm run dev` serves the UI with hot reload and forwards the API to a DataSync started with `npm start`.
export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: { '/api': { target: process.env.DATASYNC_URL ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
