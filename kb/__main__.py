"""`python -m kb` runs the `kb` command."""
from kb.launch import main

main()
