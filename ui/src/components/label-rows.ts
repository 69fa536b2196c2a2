/** A label on a scale: its centre and width, in the same unit (px). */
export interface ScaleLabel {
  centre: number;
  width: number;
}

/**
 * Rows for labels on a scale so that none overlaps another: each label, in order along the scale,
 * takes the first row whose last label ends at least `gap` before it starts. A 90/96/130 band thus
 * shows 96 under 90 instead of "9096".
 */
export function labelRows(labels: readonly ScaleLabel[], gap = 6): number[] {
  const order = labels.map((l, i) => ({ ...l, i })).sort((a, b) => a.centre - b.centre);
  const rowEnds: number[] = [];
  const rows = new Array<number>(labels.length).fill(0);
  for (const l of order) {
    const start = l.centre - l.width / 2;
    let row = rowEnds.findIndex((end) => end + gap <= start);
    if (row < 0) {
      row = rowEnds.length;
      rowEnds.push(0);
    }
    rowEnds[row] = l.centre + l.width / 2;
    rows[l.i] = row;
  }
  return rows;
}
