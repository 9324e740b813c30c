console.log("duet");
