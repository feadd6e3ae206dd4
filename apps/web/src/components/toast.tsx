import { useSyncExternalStore } from 'react';
import { CheckCircle, WarningCircle, X } from './icons';

// The one toast of the UI: what an action started or ended in, for a few seconds, without moving focus. The live
// region is always in the page, so screen readers announce what appears in it.

export type ToastTone = 'success' | 'error' | 'info';
interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

const SHOWN_FOR_MS = 6000;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());

function dismiss(id: number) {
  toasts = toasts.filter((toast) => toast.id !== id);
  notify();
}

export function toast(message: string, tone: ToastTone = 'info'): void {
  const id = nextId++;
  toasts = [...toasts, { id, message, tone }];
  notify();
  setTimeout(() => dismiss(id), SHOWN_FOR_MS);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const TONE_CLASS: Record<ToastTone, string> = {
  success: 'bg-emerald-700',
  error: 'bg-red-700',
  info: 'bg-slate-800',
};

export function Toaster() {
  const shown = useSyncExternalStore(
    subscribe,
    () => toasts,
    () => toasts,
  );
  return (
    <div
      role="status"
      aria-live="polite"
      aria-label="Notifications"
      className="pointer-events-none fixed right-4 bottom-4 z-50 flex max-w-sm flex-col gap-2"
    >
      {shown.map(({ id, message, tone }) => (
        <div
          key={id}
          data-testid="toast"
          className={`pointer-events-auto flex items-start gap-2 rounded-md px-3 py-2 text-sm text-white shadow-lg ${TONE_CLASS[tone]}`}
        >
          {tone === 'error' ? (
            <WarningCircle className="mt-0.5 shrink-0" aria-hidden />
          ) : (
            <CheckCircle className="mt-0.5 shrink-0" aria-hidden />
          )}
          <span className="flex-1">{message}</span>
          <button
            type="button"
            aria-label="Dismiss"
            className="rounded p-0.5 hover:bg-white/20"
            onClick={() => dismiss(id)}
          >
            <X aria-hidden />
          </button>
        </div>
      ))}
    </div>
  );
}
