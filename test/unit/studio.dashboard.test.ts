/** Pure parts of the dashboard: chart geometry and the usage bar. */
import { bucketLabel, linePath, stackedColumns, usageShares } from '../../ui/src/domain/run/charts';

describe('dashboard charts', () => {
  test('stacked columns: parts bottom to top, empty series left out, scaled to the axis', () => {
    const chart = stackedColumns(
      [
        [7, 3, 0],
        [0, 0, 0],
      ],
      200,
      100,
      0,
    );
    expect(chart.max).toBe(10);
    expect(chart.columns[0].parts).toEqual([
      { series: 0, y: 30, height: 70, value: 7 },
      { series: 1, y: 0, height: 30, value: 3 },
    ]);
    expect(chart.columns[1]).toMatchObject({ x: 100, width: 100, parts: [], total: 0 });
  });

  test('a line leaves a gap where a bucket has no value; labels and the usage bar', () => {
    const line = linePath([10, null, 5, 10], 300, 100);
    expect(line.path).toBe('M0.0 0.0 M200.0 50.0 L300.0 0.0');
    expect(line.points.map((point) => point.index)).toEqual([0, 2, 3]);
    expect(bucketLabel('2026-12-02T05:00:00.000Z', 3_600_000)).toBe('05:00');
    expect(bucketLabel('2026-12-02T00:00:00.000Z', 86_400_000)).toBe('12-02');
    expect(usageShares(420, 6510, 1000)).toEqual({ usedPercent: 42, projectedPercent: 100, over: true });
    expect(usageShares(10, 20, null)).toEqual({ usedPercent: 0, projectedPercent: 0, over: false });
  });
});
