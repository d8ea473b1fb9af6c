/** The launcher's restart pause: doubling while a process keeps crashing, back to the shortest once it ran healthy. */
import { crashesInARow, HEALTHY_RUN_MS, MIN_RESTART_PAUSE_MS, restartPause } from '../../launcher/supervise';

test('the pause doubles with each crash in a row, up to 30 s', () => {
  expect([1, 2, 3, 4].map(restartPause)).toEqual([1_000, 2_000, 4_000, 8_000]);
  expect(restartPause(50)).toBe(30_000);
});

test('a crash after a healthy run starts again from the shortest pause', () => {
  let crashes = 0;
  for (let crash = 0; crash < 6; crash += 1) crashes = crashesInARow(crashes, 100);
  expect(restartPause(crashes)).toBe(30_000);
  crashes = crashesInARow(crashes, HEALTHY_RUN_MS);
  expect(restartPause(crashes)).toBe(MIN_RESTART_PAUSE_MS);
});
