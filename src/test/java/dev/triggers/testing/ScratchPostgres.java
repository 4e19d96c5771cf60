package dev.triggers.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of the suite's own, on a spare port, that a test may stop and start again (the shared
 * server on 5432 is never touched). Built with the machine's initdb/pg_ctl; as root they run as user postgres.
 */
public final class ScratchPostgres implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final String bin;

    private ScratchPostgres(Path dataDir, int port, String bin) {
        this.dataDir = dataDir;
        this.port = port;
        this.bin = bin;
    }

    public static ScratchPostgres create() throws IOException, InterruptedException {
        String bin = findBin();
        Path dir = Files.createTempDirectory("triggers-pg-");
        int port = freePort();
        ScratchPostgres pg = new ScratchPostgres(dir.resolve("data"), port, bin);
        run(pg.asPostgres(List.of("chown", "-R", "postgres", dir.toString())), true);
        run(pg.asPostgres(List.of(bin + "/initdb", "-D", pg.dataDir.toString(), "-U", "postgres", "-A", "trust",
                "--no-sync")), false);
        pg.start();
        return pg;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public void start() throws IOException, InterruptedException {
        run(asPostgres(List.of(bin + "/pg_ctl", "-D", dataDir.toString(), "-l", dataDir.resolve("../log").normalize().toString(),
                "-o", "-p " + port + " -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on", "-w", "-t", "30", "start")), false);
    }

    /** Stops at once, like a crash or a power cut: no checkpoint, clients see their connections drop. */
    public void kill() throws IOException, InterruptedException {
        run(asPostgres(List.of(bin + "/pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "stop")), false);
    }

    @Override
    public void close() throws Exception {
        try {
            run(asPostgres(List.of(bin + "/pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "stop")), true);
        } finally {
            run(List.of("rm", "-rf", dataDir.getParent().toString()), true);
        }
    }

    private List<String> asPostgres(List<String> command) {
        if (!"root".equals(System.getProperty("user.name")) || command.get(0).equals("chown")) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String findBin() throws IOException {
        try (var versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.sorted(java.util.Comparator.reverseOrder()).map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("initdb"))).findFirst()
                    .orElseThrow(() -> new IOException("no initdb under /usr/lib/postgresql")).toString();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void run(List<String> command, boolean ignoreFailure) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + command);
        }
        if (p.exitValue() != 0 && !ignoreFailure) {
            throw new IOException("failed (" + p.exitValue() + "): " + command + "\n" + out);
        }
    }
}
