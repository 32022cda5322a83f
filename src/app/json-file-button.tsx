// A button that opens a JSON file: a visually hidden file input with a label styled as a button (so it is
// reachable and announced like one), handing the chosen file's text and name to `onFile`. The input is cleared
// each time, so that the same file can be chosen again.
import { useId } from 'react';

export function JsonFileButton(props: {
  label: string;
  testId: string;
  title?: string;
  onFile: (text: string, name: string) => void | Promise<void>;
}) {
  const id = useId();
  return (
    <>
      <input
        id={id}
        className="visually-hidden"
        type="file"
        accept="application/json,.json"
        data-testid={props.testId}
        onChange={async (e) => {
          const input = e.currentTarget;
          const file = input.files?.[0];
          input.value = '';
          if (file) await props.onFile(await file.text(), file.name);
        }}
      />
      <label htmlFor={id} className="button" title={props.title}>
        {props.label}
      </label>
    </>
  );
}
