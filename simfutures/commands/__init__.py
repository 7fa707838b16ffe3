"""One module per ``simfutures`` subcommand."""
