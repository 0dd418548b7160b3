from spinops.cli import main

raise SystemExit(main())
