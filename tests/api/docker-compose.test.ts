/**
 * docker-compose.yml cannot run here (no Docker engine); this checks that it
 * parses and describes PostgreSQL 16, the server and the worker wired together.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { projectPath } from "../../db/paths.ts";

const compose = parse(readFileSync(projectPath("docker-compose.yml"), "utf8"));

test("PostgreSQL 16, the server and the worker", () => {
  expect(Object.keys(compose.services).sort()).toEqual(["db", "server", "worker"]);
  expect(compose.services.db.image).toBe("postgres:16");
  expect(compose.services.server.command.join(" ")).toMatch(/&& exec node server\/main\.ts$/);
  expect(compose.services.worker.command.join(" ")).toMatch(/&& exec node worker\/main\.ts$/);
});

test("docker stop reaches node: it is each container's first process (exec), not a shell or npm that would not pass SIGTERM on; with npm's Node options", () => {
  const npmNodeOptions = readFileSync(projectPath(".npmrc"), "utf8").match(/^node-options=(.*)$/m)?.[1];
  for (const name of ["server", "worker"]) {
    expect(compose.services[name].command.join(" ")).not.toMatch(/npm (start|run)/);
    expect({ name, options: compose.services[name].environment.NODE_OPTIONS }).toEqual({ name, options: npmNodeOptions });
  }
});

test("a first start, which installs node_modules and runs every migration, has time before the server's health counts", () => {
  expect(compose.services.server.healthcheck.start_period).toBe("600s");
});

test("server and worker reach the database by DATABASE_URL, the server waits for it, the worker for the server", () => {
  for (const name of ["server", "worker"]) {
    expect(compose.services[name].environment.DATABASE_URL).toMatch(/@db:5432\/clinicops$/);
  }
  expect(compose.services.server.depends_on.db.condition).toBe("service_healthy");
  expect(compose.services.worker.depends_on.server.condition).toBe("service_healthy");
  // one install in the shared /app, by the server, before it is healthy: the worker must not reinstall under it
  expect(compose.services.worker.command.join(" ")).not.toMatch(/npm (ci|install)/);
  expect(compose.services.server.environment.WORKER).toBe("off");
});

// published on every interface, the port was reached past the TLS proxy, and with the checklist's TRUST_PROXY=1 a client
// reaching it wrote its own X-Forwarded-For: a fresh address for each login attempt, never throttled
test("the server's port is published on the host's loopback alone, where the proxy in front reaches it, never past it", () => {
  expect(compose.services.server.ports).toEqual(["127.0.0.1:8000:8000"]);
});

// npm ci ran at every start of the server's container: after a reboot (which starts all three at once), or
// a crash, it reinstalled the shared node_modules under the running worker
test("the server's container installs node_modules when package-lock.json is not the one installed, and only then", () => {
  const folder = mkdtempSync(join(tmpdir(), "clinicops-compose-"));
  try {
    // npm, a stand-in that notes each install and makes node_modules; node, one that notes the start
    mkdirSync(join(folder, "bin"));
    writeFileSync(join(folder, "bin", "npm"), '#!/bin/sh\necho "npm $*" >> calls\nmkdir -p node_modules\n', { mode: 0o755 });
    writeFileSync(join(folder, "bin", "node"), '#!/bin/sh\necho "node $*" >> calls\n', { mode: 0o755 });
    const [shell, flag, script] = compose.services.server.command;
    const start = () => {
      execFileSync(shell, [flag, script], { cwd: folder, env: { PATH: `${join(folder, "bin")}:${process.env.PATH}` } });
      const calls = readFileSync(join(folder, "calls"), "utf8").trim().split("\n");
      rmSync(join(folder, "calls"));
      return calls;
    };
    writeFileSync(join(folder, "package-lock.json"), '{"lockfileVersion": 3}');
    expect(start()).toEqual(["npm ci", "node server/main.ts"]);
    expect(start()).toEqual(["node server/main.ts"]); // a restart
    writeFileSync(join(folder, "package-lock.json"), '{"lockfileVersion": 3, "packages": {}}'); // a new version deployed
    expect(start()).toEqual(["npm ci", "node server/main.ts"]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("production settings are required, not defaulted", () => {
  expect(compose.services.server.environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
});

test("the production checklist's proxies and origins reach the server, and the database and both processes come back after a crash or a reboot", () => {
  // before, neither could be set through docker compose, nor was anything restarted
  expect(compose.services.server.environment).toMatchObject({ TRUST_PROXY: "${TRUST_PROXY:-}", ALLOWED_ORIGINS: "${ALLOWED_ORIGINS:-}" });
  // the database too: without, it stayed down after a reboot while the server restarted in a loop
  expect([compose.services.db.restart, compose.services.server.restart, compose.services.worker.restart]).toEqual(["unless-stopped", "unless-stopped", "unless-stopped"]);
});

test("the worker has a browser for PDF exports, fonts for names in every script, and shares the export files with the server", () => {
  // Noto core for Devanagari and the other Indic scripts: a Hindi clinic's names printed as boxes and broken syllables
  expect(compose.services.worker.command.join(" ")).toMatch(/apt-get install -y -qq chromium-headless-shell fonts-dejavu-core fonts-noto-cjk fonts-noto-core /);
  // and emoji (a footer's 🙏, a service's 🩺), which DejaVu has a few of alone: the others printed as empty boxes
  expect(compose.services.worker.command.join(" ")).toMatch(/apt-get install -y -qq [^&]* fonts-noto-color-emoji /);
  // Chromium's children are reaped by an init, not left as zombies under node
  expect(compose.services.worker.init).toBe(true);
  expect(compose.services.worker.environment.CHROMIUM_PATH).toBe("/usr/bin/chromium-headless-shell");
  expect(compose.services.worker.volumes).toEqual(expect.arrayContaining(compose.services.server.volumes.filter((v: string) => !v.startsWith("."))));
});

test("the worker keeps the audit anchors on a volume of its own, which neither the database nor the server mounts", () => {
  const file: string = compose.services.worker.environment.AUDIT_ANCHORS_FILE;
  const mount = (compose.services.worker.volumes as string[]).find((v) => file.startsWith(`${v.split(":")[1]}/`));
  expect(mount).toBeDefined();
  const volume = mount!.split(":")[0];
  for (const other of ["db", "server"]) expect((compose.services[other].volumes ?? []).map((v: string) => v.split(":")[0])).not.toContain(volume);
});

// initdb's postgres and template1 let every role connect, where none of the application database's revocations hold:
// an analyst's one statement there (advisory locks over a series) filled the server's lock table, and every database
// failed "out of shared memory"; the database's first start now closes them with the file each embedded start runs
test("the database's first start closes initdb's databases to every role but the superuser, as the embedded server's starts do", () => {
  const init = (compose.services.db.volumes as string[]).find((v) => v.includes("/docker-entrypoint-initdb.d/"));
  expect(init).toBeDefined();
  const [source, target, mode] = init!.split(":");
  expect({ source, target, mode }).toEqual({
    source: "./db/close-initdb-databases.sql",
    target: "/docker-entrypoint-initdb.d/close-initdb-databases.sql",
    mode: "ro",
  });
  // the image runs an init folder's *.sql with psql as the superuser (its effect is tested on the embedded server)
  expect(readFileSync(projectPath(source), "utf8")).toMatch(/'postgres', 'template1', 'template0'[\s\S]*revoke connect on database %I from public/);
  expect(readFileSync(projectPath("db/embedded.ts"), "utf8")).toContain(`projectPath("${source.slice(2)}")`);
});

test("every named volume is declared", () => {
  const used = Object.values(compose.services).flatMap((s: any) => (s.volumes ?? []).map((v: string) => v.split(":")[0]));
  const named = used.filter((v: string) => !v.startsWith("."));
  for (const volume of named) expect(Object.keys(compose.volumes)).toContain(volume);
});
