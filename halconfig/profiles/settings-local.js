// Hand-written Deck settings, loaded after settings.js. Served to every browser: no credentials here.
window.spinnakerSettings.feature.kustomizeEnabled = true;
window.spinnakerSettings.feature.artifactsRewrite = true;
