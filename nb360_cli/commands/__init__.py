"""Sub-commands of the nb360 CLI (each module: register(subparsers))."""
