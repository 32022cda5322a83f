// Lets the page run (input, frames, messages from the workers) before a long piece of main-thread work goes on.
// A MessageChannel task: unlike setTimeout(0) it is not clamped to 4 ms when nested, nor throttled to once a
// second (or a minute) in a hidden tab, where autosave still runs. Used by the autosave's sliced copy and by the
// frame queue (chart jobs run in a task of their own right after the animation frame).

const waiting: Array<() => void> = [];
let channel: MessageChannel | null = null;

/** Resolves in a task of its own, after whatever the page has queued before it. */
export function yieldToPage(): Promise<void> {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}
