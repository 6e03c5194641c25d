/// deadtop's version, as `deadtop --version` and `deadtop-exporter --version` print it.
public let deadtopVersion = "0.3.0"
