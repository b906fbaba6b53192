"""The ``anpr`` command line: the composition root that gathers the commands of every
package (``cli.main``). Nothing in the project imports it."""
