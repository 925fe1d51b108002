// What stands in for the rows of a virtualised list that are not rendered, above and below the
// rendered ones (see virtual-rows.ts): a table row, or a list item for cards.

export function SpacerRow({ height, columns }: { height: number; columns: number }) {
  if (height <= 0) return null;
  return (
    <tr aria-hidden="true" data-spacer className="border-0">
      <td colSpan={columns} className="border-0 p-0" style={{ height }} />
    </tr>
  );
}

export function SpacerItem({ height }: { height: number }) {
  if (height <= 0) return null;
  return <li aria-hidden="true" data-spacer className="border-0" style={{ height }} />;
}
