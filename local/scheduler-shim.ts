import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readText } from './emulators/net';

/** A one-time schedule as the shim keeps it. */
export interface ShimSchedule {
  name: string;
  groupName: string;
  dueAt: number;
  targetArn: string;
  input: string;
}

/** Who runs a due schedule's target: the local stack maps the target ARN to a handler. */
export type ScheduleInvoker = (schedule: ShimSchedule) => Promise<void>;

const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(JSON.stringify(body));
}

/**
 * The part of the EventBridge Scheduler API Herald calls (CreateSchedule, GetSchedule,
 * DeleteSchedule; REST-JSON under `/schedules/{Name}`), reached through
 * AWS_ENDPOINT_URL_SCHEDULER. Due schedules fire within `tickMs` of their time and, like
 * `ActionAfterCompletion: DELETE`, are removed after a successful run; a failed run is retried
 * on the next ticks, as Scheduler's retry policy would.
 */
export async function startSchedulerShim(options: {
  invoke: ScheduleInvoker;
  host?: string;
  port?: number;
  tickMs?: number;
  onError?: (schedule: ShimSchedule, error: unknown) => void;
  /** Keep the schedules in this JSON file across restarts (written on every change). */
  file?: string;
}): Promise<{ url: string; schedules: () => ShimSchedule[]; close(): Promise<void> }> {
  const key = (group: string, name: string) => `${group}/${name}`;
  const schedules = new Map<string, ShimSchedule>(
    loadSchedules(options.file).map((s) => [key(s.groupName, s.name), s]),
  );
  const running = new Set<string>();
  const save = () => {
    if (!options.file) return;
    // Write then rename: a kill mid-write leaves the previous file, never half of one.
    writeFileSync(`${options.file}.tmp`, JSON.stringify([...schedules.values()]));
    renameSync(`${options.file}.tmp`, options.file);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!match?.[1]) return reply(res, 404, { Message: 'not found' }, 'ResourceNotFoundException');
    const name = decodeURIComponent(match[1]);
    const body = await readText(req);
    if (req.method === 'POST') {
      const input = JSON.parse(body || '{}') as {
        GroupName?: string;
        ScheduleExpression?: string;
        Target?: { Arn?: string; Input?: string };
      };
      const group = input.GroupName ?? 'default';
      const at = AT.exec(input.ScheduleExpression ?? '');
      if (!at?.[1] || !input.Target?.Arn) {
        return reply(
          res,
          400,
          { Message: 'only at() schedules are supported' },
          'ValidationException',
        );
      }
      if (schedules.has(key(group, name))) {
        return reply(
          res,
          409,
          { Message: `Schedule ${name} already exists.` },
          'ConflictException',
        );
      }
      schedules.set(key(group, name), {
        name,
        groupName: group,
        dueAt: Date.parse(`${at[1]}Z`),
        targetArn: input.Target.Arn,
        input: input.Target.Input ?? '{}',
      });
      save();
      return reply(res, 200, {
        ScheduleArn: `arn:aws:scheduler:local:000000000000:schedule/${group}/${name}`,
      });
    }
    const group = url.searchParams.get('groupName') ?? 'default';
    const schedule = schedules.get(key(group, name));
    if (!schedule) {
      return reply(
        res,
        404,
        { Message: `Schedule ${name} does not exist.` },
        'ResourceNotFoundException',
      );
    }
    if (req.method === 'DELETE') {
      schedules.delete(key(group, name));
      save();
      return reply(res, 200, {});
    }
    return reply(res, 200, {
      Name: schedule.name,
      GroupName: schedule.groupName,
      ScheduleExpression: `at(${new Date(schedule.dueAt).toISOString().slice(0, 19)})`,
      Target: { Arn: schedule.targetArn, Input: schedule.input },
    });
  });

  const timer = setInterval(() => {
    const now = Date.now();
    for (const [id, schedule] of schedules) {
      if (schedule.dueAt > now || running.has(id)) continue;
      running.add(id);
      options
        .invoke(schedule)
        .then(() => {
          schedules.delete(id);
          save();
        })
        .catch((error: unknown) => options.onError?.(schedule, error))
        .finally(() => running.delete(id));
    }
  }, options.tickMs ?? 200);

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    schedules: () => [...schedules.values()],
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function loadSchedules(file: string | undefined): ShimSchedule[] {
  if (!file || !existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as ShimSchedule[];
}
