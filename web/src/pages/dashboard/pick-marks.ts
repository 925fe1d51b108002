// Which runs the dashboard's chart draws: every one up to `max`; past that, every run that did
// not succeed (those are what a person looks for) and successes evenly spread over the rest, so
// thousands of runs cost a bounded number of SVG marks.
export function pickMarks<T extends { run: { status: string } }>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const others = points.filter((p) => p.run.status !== "SUCCEEDED");
  if (others.length >= max) return others.slice(others.length - max);
  const successes = points.filter((p) => p.run.status === "SUCCEEDED");
  const room = max - others.length;
  const step = successes.length / room;
  const kept = new Set<T>(others);
  for (let i = 0; i < room; i++) kept.add(successes[Math.floor(i * step)]!);
  return points.filter((p) => kept.has(p));
}
