package dev.ferry.server.cli;

import java.io.PrintWriter;

/** A progress bar for {@code ferry cache warm} on stderr, redrawn in place, and its closing summary. */
final class WarmProgress implements CacheWarmer.Progress {
    private static final int WIDTH = 30;

    private final PrintWriter err;

    WarmProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void update(CacheWarmer.Summary s) {
        int filled = s.total() == 0 ? WIDTH : s.done() * WIDTH / s.total();
        err.print("\r[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + s.done() + "/" + s.total()
                + "  warmed " + s.warmed() + ", already cached " + s.cached() + ", failed " + s.failed());
        err.flush();
    }

    void finish(CacheWarmer.Summary s) {
        err.println();
        err.println(summary(s));
        err.flush();
    }

    static String summary(CacheWarmer.Summary s) {
        return s.total() + " requests: " + s.warmed() + " warmed, " + s.cached() + " already cached, " + s.failed()
                + " failed";
    }
}
