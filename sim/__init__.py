"""The demo: a simulated region for the product to run on where no real data may go.

The road network's demo cameras (``registry``) and their yearly plans (``plans``), traffic
moving along the network with planted investigative cases and misreads (``traffic``,
``misreads``, ``passages``), overview photos and plate crops rendered for it (``photos``),
and the loader that puts all of it in a database (``demo``). It sits at the top of the
house: it uses the domain packages to load what it makes, and no domain package imports it.
"""
