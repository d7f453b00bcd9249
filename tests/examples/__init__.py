"""The examples, run end to end through the engine harness against kalix-local."""
