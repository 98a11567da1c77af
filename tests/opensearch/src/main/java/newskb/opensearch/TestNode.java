package newskb.opensearch;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node with the plugins the tests need, loaded from the classpath (a release
 * loads them from its plugins folder). Settings come as arguments, {@code key=value ...}:
 * {@code java -cp 'target/classes:target/lib/*' newskb.opensearch.TestNode path.home=/tmp/n0
 * node.name=n0 http.port=9200}. It runs until SIGTERM or until its standard input ends (so a
 * node never outlives the process that started it with a pipe there), then closes cleanly.
 */
public final class TestNode extends Node {

    private TestNode(Settings settings) {
        super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "node"),
              List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        exitWhenInputEnds();
        TestNode node = new TestNode(parse(args));
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }));
        node.start();
        closed.await();
    }

    private static Settings parse(String[] args) {
        Settings.Builder settings = Settings.builder();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("not key=value: " + arg);
            }
            settings.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        return settings.build();
    }

    private static void exitWhenInputEnds() {
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // Only the end of input matters.
                }
            } catch (IOException e) {
                // A broken pipe is an end too.
            }
            System.exit(0);
        }, "stdin-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
