package dev.ferry.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.Executables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deployment files as their own tools read them: yamllint over docker/, kubectl over docker/k8s. */
class DeployFilesTest {
    @TempDir
    Path tmp;

    @Test
    void composeKubernetesAndPrometheusFilesPassYamllint() throws Exception {
        Path docker = DockerFolder.find();
        Path yamllint = Executables.require("yamllint", "yamllint", "the deployment files are checked with it");
        Run r = run(List.of(yamllint.toString(), "--strict", "-c", docker.resolveSibling(".yamllint").toString(),
                docker.toString()));
        assertEquals(0, r.exit(), "yamllint:\n" + r.output());
    }

    @Test
    void kubectlAcceptsTheKubernetesManifests() throws Exception {
        Path kubectl = Executables.require("kubectl", "kubernetes-client", "the Kubernetes manifests are checked with it");
        try (KubeApiStub api = new KubeApiStub()) {
            Run r = run(List.of(kubectl.toString(), "--kubeconfig", api.kubeconfig(tmp).toString(),
                    "--cache-dir", tmp.resolve("cache").toString(), "apply", "--dry-run=client", "--validate=false",
                    "-f", DockerFolder.find().resolve("k8s").toString()));
            assertEquals(0, r.exit(), "kubectl:\n" + r.output());
            for (String object : List.of("deployment.apps/ferry", "service/ferry", "poddisruptionbudget.policy/ferry",
                    "horizontalpodautoscaler.autoscaling/ferry", "configmap/ferry-config")) {
                assertTrue(r.output().contains(object + " created (dry run)"), r.output());
            }
        }
    }

    record Run(int exit, String output) {}

    static Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not finish in 60 s:\n" + output);
        }
        return new Run(p.exitValue(), output);
    }
}
