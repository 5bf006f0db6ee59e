"""Course tooling, not lesson code: run notebooks as CI does, sweep their claims over seeds,
and build the workshop and website copies. Each tool is a module with a command line:

    python -m gan_helpers.course.execute notebooks/02_gaussian_1d.ipynb    # run in place, commit-ready

These tools need the ``[test]`` extra (papermill, nbclient).
"""
