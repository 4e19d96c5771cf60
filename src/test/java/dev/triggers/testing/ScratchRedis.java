package dev.triggers.testing;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

/** A Redis of the test's own on a spare port, which the test may stop and start again. */
public final class ScratchRedis implements AutoCloseable {
    private final int port;
    private Process process;

    private ScratchRedis(int port) {
        this.port = port;
    }

    public static ScratchRedis create() throws IOException, InterruptedException {
        ScratchRedis redis = new ScratchRedis(ScratchPostgres.freePort());
        redis.start();
        return redis;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public void start() throws IOException, InterruptedException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("redis did not start on port " + port);
    }

    /** SIGKILL: what a crashed or OOM-killed Redis looks like to its clients. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
