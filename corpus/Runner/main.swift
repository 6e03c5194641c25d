import BugCorpus
import DemoScenarios

#if canImport(Glibc)
  import Glibc
#endif

exit(
  ScenarioRunner.main(
    Array(CommandLine.arguments.dropFirst()), scenarios: Corpus.all, command: "deadtop-corpus",
    banner: "deadtop-corpus"))
