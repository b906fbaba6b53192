"""The benchmarks (``anpr bench ...``): intake, the searches at national scale, the
detector, and an officer's casework at volume, each figure printed beside a baseline
measured in the same run (``bench.figures``). Benchmark code lives here, apart from the
domain packages it measures; none of them imports it.
"""
