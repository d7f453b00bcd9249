"""Test helpers shared by the suites (kalix-local started as a real server)."""
