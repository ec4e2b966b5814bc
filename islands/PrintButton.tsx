/** Opens the browser's print dialog, where "Save as PDF" makes the report's PDF. */
export default function PrintButton() {
  return (
    <button type="button" class="btn btn-primary" onClick={() => globalThis.print()}>
      Print or save as PDF
    </button>
  );
}
