"""The search engine Q1-Q6: domain functions taking a connection and plain values."""
