"""Applications (办件): submitted by citizens and enterprises, handled in the workbench."""
